#!/usr/bin/env bash
# Downloads the face models the service needs from their public upstreams and verifies each sha256
# (the same checksums the service checks at start-up; see src/Inference/ModelCatalog.cs).
# Usage: deploy/fetch-models.sh [target-dir]   (default ./models, the service's default Models:Path)
set -euo pipefail

target="${1:-./models}"
mkdir -p "$target"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

verify() { # file sha256
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  if [[ "$actual" != "$2" ]]; then
    echo "checksum mismatch for $1: expected $2, got $actual" >&2
    return 1
  fi
}

# A local mirror (a directory of already-verified files, e.g. an air-gapped copy) is tried before the network.
mirror="${MODELS_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  # The read-only copy beside the project root in this workplace (files are still checksummed before use).
  for candidate in ../shared/models /work/shared/models; do
    if [[ -d "$candidate" ]]; then mirror="$candidate"; break; fi
  done
fi

have() { # name sha: true when the target holds a verified copy, taking one from the mirror if it has it
  if [[ -f "$target/$1" ]] && verify "$target/$1" "$2" 2>/dev/null; then return 0; fi
  if [[ -n "$mirror" && -f "$mirror/$1" ]] && verify "$mirror/$1" "$2" 2>/dev/null; then
    cp "$mirror/$1" "$target/$1"
    return 0
  fi
  return 1
}

# 1. YuNet face detector (Apache-2.0 / MIT): not on any package registry; pinned GitHub commit, opencv_zoo as fallback.
yunet_sha=8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4
yunet_dyn_sha=daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3
commit=0047ac24afb1a50a0c6105001c89d1b5b805dbf1
failed=0
fetch_yunet() { # name sha upstream-path [fallback-url]
  have "$1" "$2" && { echo "ok       $1"; return; }
  if curl -fsSL --retry 2 -o "$tmp/$1" "https://raw.githubusercontent.com/ShiqiYu/libfacedetection.train/$commit/onnx/$3" \
     || { [[ -n "${4:-}" ]] && curl -fsSL --retry 2 -o "$tmp/$1" "$4"; }; then
    verify "$tmp/$1" "$2" && mv "$tmp/$1" "$target/$1" && echo "fetched  $1"
  else
    echo "could not download $1 (GitHub unreachable?). Copy it into $target by hand; sha256 $2" >&2
    failed=$((failed + 1))
  fi
}
fetch_yunet yunet_2023mar_640x640.onnx "$yunet_sha" yunet_s_640_640.onnx \
  "https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx"
fetch_yunet yunet_2023mar_dynamic.onnx "$yunet_dyn_sha" yunet_s_dynamic.onnx

# 2. Models shipped in the npm package faceplugin-face-recognition-js@0.0.1 (MIT per the package).
declare -A faceplugin=(
  [mobilefacenet512_faceplugin.onnx]="fr_feature.onnx 87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"
  [ultraface_rfb320_faceplugin.onnx]="fr_detect.onnx 6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854"
  [headpose_hopenet_faceplugin.onnx]="fr_pose.onnx 72d032ec941b7153bf8d3f2c03a4c165453cc7e63d479041ec7c6ef087e5839d"
  [liveness_minifasnet_faceplugin.onnx]="fr_liveness.onnx afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d"
  [expression_densenet_faceplugin.onnx]="fr_expression.onnx 88959314d9dc14d6c968cca31dc068e4350bf1944154e3bdd2eece5d0f318d05"
)
need_tarball=false
for name in "${!faceplugin[@]}"; do
  read -r _ sha <<<"${faceplugin[$name]}"
  have "$name" "$sha" || need_tarball=true
done
if $need_tarball; then
  registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
  curl -fsSL --retry 3 -o "$tmp/fp.tgz" "$registry/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz"
  tar -xzf "$tmp/fp.tgz" -C "$tmp" package/model
fi
for name in "${!faceplugin[@]}"; do
  read -r file sha <<<"${faceplugin[$name]}"
  if have "$name" "$sha"; then echo "ok       $name"; continue; fi
  verify "$tmp/package/model/$file" "$sha"
  cp "$tmp/package/model/$file" "$target/$name"
  echo "fetched  $name"
done

# 3. Converted models: no upstream publishes them as ONNX, and this script does not convert them (the converters need the npm
#    package or the Caffe model plus python3-onnx). They are copied from MODELS_MIRROR when it holds them; otherwise the node still
#    starts and the features below are simply unavailable (left out of /core/status available_plugins, one warning at start).
declare -A converted=(
  [age_gender_faceapi.onnx]="66124000c9e814b0660010b6b872b0a2c5094ce115cd5a1f9578d046db98ed4e e4200cb1d5925826a849d8a936517b08cd32e54f56c393d1c8a84713bca61758|plugins age, gender|npm @vladmandic/face-api@1.7.15 model/age_gender_model.bin + manifest, converted by tools/ModelConverter"
  [landmark68_faceapi.onnx]="ab7a453024a4722b474fbb26e49bb4bd12f9b914b2005d4862d46f5f9c4d239d 876459ea93e46c667465511ed5a28018017485fbc73284e3b6280d867e4e62a8|plugin landmarks68, Plugins:PoseEstimator=landmarks, Inference:Detector=ultraface|npm @vladmandic/face-api@1.7.15 model/face_landmark_68_model.bin + manifest, converted by tools/ModelConverter"
  [dlib_resnet128_faceapi.onnx]="4c78360f39200f5501b0a5d05d3295f9f05739f16c426320126be71022acfafa 4d7b23dfcd154f114313da0e7ff64d697075297af80bc18485bd3e75667c37d4|Inference:Embedder=dlib|npm @vladmandic/face-api@1.7.15 model/face_recognition_model.bin + manifest, converted by tools/ModelConverter"
  [mask_aizoo_260.onnx]="6681d81f36987b12ac0e1a2a7b692a672821b4a5a99a2ba576e205512247c034 da24a7945aeb29b4be470f3de1bfd0904d0e82d81ccd984c1f88828a75e43f9a|plugin mask|GitHub AIZOOTech/FaceMaskDetection@256dc65f models/face_mask_detection.caffemodel, converted by tools/ModelConverter"
)
unavailable=()
for name in "${!converted[@]}"; do
  IFS='|' read -r shas uses upstream <<<"${converted[$name]}"
  read -r sha equivalent <<<"$shas"   # the converter's output, and an earlier conversion computing the same (ModelCatalog.EquivalentSha256)
  if have "$name" "$sha" || have "$name" "$equivalent"; then echo "ok       $name"; continue; fi
  unavailable+=("  $name ($uses): from $upstream; sha256 $sha")
done

echo "models are in $target"
if ((${#unavailable[@]} > 0)); then
  echo "NOT fetched (converted models; the node starts without them and reports these features unavailable):"
  printf '%s\n' "${unavailable[@]}"
  echo "  Convert them as shared/models/MANIFEST.md describes (or set MODELS_MIRROR to a folder holding verified copies) and rerun."
fi
if ((failed > 0)); then
  echo "$failed model(s) missing; see the messages above" >&2
  exit 1
fi
