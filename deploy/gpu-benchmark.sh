#!/usr/bin/env bash
# Issue P12, GPU item: the one prepared check for a GPU machine (docs/performance.md, "GPU").
#
# Run from the repository root on a machine with an NVIDIA GPU, the CUDA 13 + cuDNN 9 runtime libraries on the loader path,
# the .NET SDK of global.json, the models (COMPREFACE_SHARED/models or ../shared/models) and NuGet packages reachable
# (a registry, or NUGET_PACKAGES pointing at a filled cache: the CUDA build of ONNX Runtime is several hundred MB, too big to
# carry along with the working tree). Writes everything under ${OUT:-./gpu-out}:
#   1. publishes the node self-contained with -p:OnnxGpu=true and checks that it loads the models on CUDA;
#   2. in process, CPU against CUDA in the same run: detect and align + embed latency, embedding batches of 1-64 faces (the
#      gain a batcher of faces across concurrent requests could collect), pipeline throughput at 1/2/8/32 callers;
#   3. over HTTP, the same GPU build twice, Inference:ExecutionProvider=Cpu against =Cuda, alternated round by round:
#      CompreFace's recognize load scenario at 1/2/8/32 clients, p99 and the ratio (tests/Benchmarks "compare").
# Each step has its own time limit so that a slow one still leaves the others' results; about 6 minutes in all.
set -uo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUGET_CERT_REVOCATION_MODE=offline
out=${OUT:-./gpu-out}
mkdir -p "$out"
node="$out/node-gpu"
bench=tests/Benchmarks/bin/Release/net10.0/linux-x64/CompreFace.Benchmarks.dll

{
  echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || echo "nvidia-smi not found"
  nproc
} | tee "$out/machine.txt"

timeout 300 dotnet publish src/Silo/Silo.csproj -c Release -r linux-x64 --self-contained -p:OnnxGpu=true -o "$node" -v q \
  > "$out/publish.log" 2>&1 || { echo "publish failed (see publish.log)"; tail -20 "$out/publish.log"; }
timeout 300 dotnet build tests/Benchmarks -c Release -p:OnnxGpu=true -v q > "$out/build.log" 2>&1 \
  || { echo "benchmark build failed (see build.log)"; tail -20 "$out/build.log"; exit 1; }

# 2. In process: "provider used" says CUDA only if the CUDA provider really loaded (else the node logs event 1001 and runs on CPU).
timeout 180 dotnet "$bench" providers --iterations 40 --seconds 8 2>&1 | tee "$out/providers.md"

# 3. Over HTTP: the published GPU node, CPU provider ("old") against CUDA ("new"), same binary.
if [ -f "$node/CompreFace.Silo.dll" ]; then
  timeout 240 dotnet "$bench" compare --old "$node/CompreFace.Silo.dll" --new "$node/CompreFace.Silo.dll" \
    --old-args "Inference:ExecutionProvider=Cpu" --new-args "Inference:ExecutionProvider=Cuda;Inference:IntraOpThreads=1" \
    --rounds 2 --seconds 8 --clients 1,2,8,32 2>&1 | tee "$out/compare-cpu-cuda.md"
fi
