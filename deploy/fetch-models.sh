#!/usr/bin/env bash
# Puts every model the service may load (src/Inference/ModelCatalog.cs) into a folder, each verified by sha256:
#   - YuNet from GitHub (ShiqiYu/libfacedetection.train at a pinned commit; opencv_zoo as a fallback);
#   - the faceplugin models from the npm package faceplugin-face-recognition-js@0.0.1;
#   - the models with no ONNX upstream, converted by the project's tools/ModelConverter (docs/decisions/0016) from
#     npm @vladmandic/face-api@1.7.15 (model/) and GitHub AIZOOTech/FaceMaskDetection@256dc65f (models/).
# Every downloaded or copied file is checked before use; a converted model is checked against the catalog. Files land in the
# target under a temporary name and are renamed into place, so an interrupted run leaves no partial model behind.
#
# Usage: deploy/fetch-models.sh [target-dir]   (default ./models, the service's default Models:Path)
# Environment (all optional):
#   MODELS_MIRROR    folder of verified ONNX copies, tried before any download (air-gapped installs)
#   MODELS_UPSTREAM  folder holding the converters' upstream files, laid out as face-api-1.7.15/ and aizoo-256dc65f/
#                    (offline installs, tests); without it they are downloaded
#   NPM_REGISTRY     npm registry base URL (default https://registry.npmjs.org)
#   GITHUB_RAW       raw GitHub file base URL (default https://raw.githubusercontent.com)
#   MODEL_CONVERTER  a published converter (CompreFace.ModelConverter.dll, or its executable); default: build and run
#                    tools/ModelConverter with the .NET SDK
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-./models}"
mkdir -p "$target"
npm_registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
github_raw="${GITHUB_RAW:-https://raw.githubusercontent.com}"
mirror="${MODELS_MIRROR:-}"

work="$(mktemp -d)"
cleanup() { rm -rf "$work"; rm -f "$target"/.fetch-models.*."$$".tmp; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

verify() { # file sha256 [what]: fails with a message naming both checksums
  local actual
  actual="$(sha_of "$1")"
  if [[ "$actual" != "$2" ]]; then
    echo "checksum mismatch for ${3:-$1}: expected sha256 $2, got $actual (a corrupt download or a changed upstream); nothing was installed from it" >&2
    return 1
  fi
}

place() { # source name: copy into the target under a temporary name, then rename (atomic within the target's file system)
  local temporary="$target/.fetch-models.$2.$$.tmp"
  cp "$1" "$temporary"
  mv -f "$temporary" "$target/$2"
}

have() { # name sha [equivalent-sha]: true when the target holds a verified copy, taking one from the mirror if it has it
  local sha
  for sha in "${@:2}"; do
    if [[ -f "$target/$1" ]] && [[ "$(sha_of "$target/$1")" == "$sha" ]]; then return 0; fi
  done
  for sha in "${@:2}"; do
    if [[ -n "$mirror" && -f "$mirror/$1" ]] && [[ "$(sha_of "$mirror/$1")" == "$sha" ]]; then
      place "$mirror/$1" "$1"
      return 0
    fi
  done
  return 1
}

download() { # url file
  curl -fsSL --retry 2 -o "$2" "$1"
}

failed=0

# 1. YuNet face detector (Apache-2.0 / MIT): not on any package registry; pinned GitHub commit, opencv_zoo as fallback.
yunet_commit=0047ac24afb1a50a0c6105001c89d1b5b805dbf1
fetch_yunet() { # name sha upstream-path [fallback-url]
  have "$1" "$2" && { echo "ok         $1"; return; }
  if download "$github_raw/ShiqiYu/libfacedetection.train/$yunet_commit/onnx/$3" "$work/$1" \
     || { [[ -n "${4:-}" ]] && download "$4" "$work/$1"; }; then
    verify "$work/$1" "$2" "$1" && place "$work/$1" "$1" && echo "fetched    $1"
  else
    echo "could not download $1 (GitHub unreachable?). Copy it into $target by hand; sha256 $2" >&2
    failed=$((failed + 1))
  fi
}
fetch_yunet yunet_2023mar_640x640.onnx 8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4 yunet_s_640_640.onnx \
  "https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx"
fetch_yunet yunet_2023mar_dynamic.onnx daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3 yunet_s_dynamic.onnx

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
  download "$npm_registry/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz" "$work/fp.tgz"
  mkdir -p "$work/fp"
  tar -xzf "$work/fp.tgz" -C "$work/fp" package/model
fi
for name in $(printf '%s\n' "${!faceplugin[@]}" | sort); do
  read -r file sha <<<"${faceplugin[$name]}"
  if have "$name" "$sha"; then echo "ok         $name"; continue; fi
  verify "$work/fp/package/model/$file" "$sha" "$file (npm faceplugin-face-recognition-js@0.0.1)"
  place "$work/fp/package/model/$file" "$name"
  echo "fetched    $name"
done

# 3. Models with no ONNX upstream, converted by tools/ModelConverter. Each entry: the converter's output sha256 (the catalog's),
#    an earlier conversion that computes the same and is accepted from a mirror (ModelCatalog EquivalentSha256), and the
#    upstream files it is made from.
declare -A converted=(
  [age_gender_faceapi.onnx]="66124000c9e814b0660010b6b872b0a2c5094ce115cd5a1f9578d046db98ed4e e4200cb1d5925826a849d8a936517b08cd32e54f56c393d1c8a84713bca61758|face-api-1.7.15/age_gender_model-weights_manifest.json face-api-1.7.15/age_gender_model.bin"
  [landmark68_faceapi.onnx]="ab7a453024a4722b474fbb26e49bb4bd12f9b914b2005d4862d46f5f9c4d239d 876459ea93e46c667465511ed5a28018017485fbc73284e3b6280d867e4e62a8|face-api-1.7.15/face_landmark_68_model-weights_manifest.json face-api-1.7.15/face_landmark_68_model.bin"
  [dlib_resnet128_faceapi.onnx]="4c78360f39200f5501b0a5d05d3295f9f05739f16c426320126be71022acfafa 4d7b23dfcd154f114313da0e7ff64d697075297af80bc18485bd3e75667c37d4|face-api-1.7.15/face_recognition_model-weights_manifest.json face-api-1.7.15/face_recognition_model.bin"
  [mask_aizoo_260.onnx]="6681d81f36987b12ac0e1a2a7b692a672821b4a5a99a2ba576e205512247c034 da24a7945aeb29b4be470f3de1bfd0904d0e82d81ccd984c1f88828a75e43f9a|aizoo-256dc65f/face_mask_detection.caffemodel aizoo-256dc65f/face_mask_detection.prototxt"
)
# The exact upstream files (the same bytes as the project's offline copy; licences MIT, dlib's weights public domain).
declare -A upstream_sha=(
  [aizoo-256dc65f/face_mask_detection.caffemodel]=3c2e89cffdc9459a69dd5c2e4c1ca263e6488a56a5a37d81ca2ff32344fbf740
  [aizoo-256dc65f/face_mask_detection.prototxt]=8de363802d3557f3d9ff7e72dd61eead60f5e9e145bb962d7979b99ff85d4212
  [face-api-1.7.15/age_gender_model-weights_manifest.json]=74b60bf3ebf981bf4e661e9cca3a185614e10b25d797118b62e2a68d3ff2569f
  [face-api-1.7.15/age_gender_model.bin]=49f92bbc0afef2342c4385e4a2b0acb6d7a727c6f0aa539499719a81acf9abaa
  [face-api-1.7.15/face_landmark_68_model-weights_manifest.json]=ca4886639f86e99b39fed0c155f81b63317225773bd9616716e887b0153389c9
  [face-api-1.7.15/face_landmark_68_model.bin]=4611ef65c87d836d03d684b30eec4d195d8b219fa1dd58fc58945831c6b9299b
  [face-api-1.7.15/face_recognition_model-weights_manifest.json]=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
  [face-api-1.7.15/face_recognition_model.bin]=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
)
aizoo_commit=256dc65f726cb78d82936b2c61c55a5adc2cf05d

to_convert=()
needed_files=()
for name in $(printf '%s\n' "${!converted[@]}" | sort); do
  IFS='|' read -r shas files <<<"${converted[$name]}"
  read -r sha equivalent <<<"$shas"
  if have "$name" "$sha" "$equivalent"; then echo "ok         $name"; continue; fi
  to_convert+=("$name")
  read -r -a list <<<"$files"
  needed_files+=("${list[@]}")
done

if ((${#to_convert[@]} > 0)); then
  upstream="$work/upstream"
  mkdir -p "$upstream/face-api-1.7.15" "$upstream/aizoo-256dc65f"
  mapfile -t needed_files < <(printf '%s\n' "${needed_files[@]}" | sort -u)
  if [[ -n "${MODELS_UPSTREAM:-}" ]]; then
    for file in "${needed_files[@]}"; do
      if [[ ! -f "$MODELS_UPSTREAM/$file" ]]; then
        echo "MODELS_UPSTREAM=$MODELS_UPSTREAM lacks $file (needed for ${to_convert[*]})" >&2
        exit 1
      fi
      cp "$MODELS_UPSTREAM/$file" "$upstream/$file"
    done
  else
    if printf '%s\n' "${needed_files[@]}" | grep -q '^face-api-1.7.15/'; then
      download "$npm_registry/@vladmandic/face-api/-/face-api-1.7.15.tgz" "$work/face-api.tgz"
      mkdir -p "$work/face-api"
      tar -xzf "$work/face-api.tgz" -C "$work/face-api" package/model
    fi
    for file in "${needed_files[@]}"; do
      case "$file" in
        face-api-1.7.15/*) cp "$work/face-api/package/model/${file#face-api-1.7.15/}" "$upstream/$file" ;;
        aizoo-256dc65f/*) download "$github_raw/AIZOOTech/FaceMaskDetection/$aizoo_commit/models/${file#aizoo-256dc65f/}" "$upstream/$file" ;;
      esac
    done
  fi
  for file in "${needed_files[@]}"; do
    verify "$upstream/$file" "${upstream_sha[$file]}" "$file"
  done

  echo "converting ${to_convert[*]}"
  if [[ -n "${MODEL_CONVERTER:-}" ]]; then
    if [[ "$MODEL_CONVERTER" == *.dll ]]; then converter=(dotnet "$MODEL_CONVERTER"); else converter=("$MODEL_CONVERTER"); fi
  elif command -v dotnet >/dev/null; then
    converter=(dotnet run --project "$root/tools/ModelConverter" -c Release --)
  else
    echo "converting needs the .NET SDK (dotnet) or MODEL_CONVERTER pointing at a published tools/ModelConverter" >&2
    exit 1
  fi
  "${converter[@]}" "$upstream" "$work/converted" "${to_convert[@]}"
  for name in "${to_convert[@]}"; do
    IFS='|' read -r shas _ <<<"${converted[$name]}"
    read -r sha _ <<<"$shas"
    verify "$work/converted/$name" "$sha" "$name (converted)"
    place "$work/converted/$name" "$name"
    echo "converted  $name"
  done
fi

echo "models are in $target"
if ((failed > 0)); then
  echo "$failed model(s) missing; see the messages above" >&2
  exit 1
fi
