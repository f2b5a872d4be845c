#!/usr/bin/env bash
# Makes a self-contained Mimicry for a Linux x64 machine that has PyTorch but no .NET SDK (a GPU box):
# the .NET runtime, the Mimicry CLI and benchmarks, Chipmunk, and no libtorch natives: at run time
# Mimicry loads the libtorch of MIMICRY_LIBTORCH=DIR or of the PyTorch that python3 imports (docs/gpu.md).
#   scripts/bundle.sh [OUT_DIR]     -> OUT_DIR (default out/mimicry-bundle) and OUT_DIR.tar.xz
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/out/mimicry-bundle}")"
"$root/scripts/install-deps.sh"
rm -rf "$out"
mkdir -p "$out/lib" "$out/dotnet"
echo "bundle: publishing the CLI and the benchmarks" >&2
dotnet publish "$root/src/Mimicry.Cli/Mimicry.Cli.csproj" -c Release -nologo -v quiet -o "$out/app" >&2
dotnet publish "$root/bench/Mimicry.Bench/Mimicry.Bench.csproj" -c Release -nologo -v quiet -o "$out/bench" >&2
for app in "$out/app" "$out/bench"; do
  # Only linux-x64 natives, and of those only TorchSharp's binding and SkiaSharp's: libtorch comes from the machine.
  find "$app/runtimes" -mindepth 1 -maxdepth 1 -type d ! -name linux-x64 -exec rm -rf {} +
  find "$app/runtimes/linux-x64/native" -type f ! -name libLibTorchSharp.so ! -name libSkiaSharp.so ! -name libHarfBuzzSharp.so -delete
done
# The .NET runtime this SDK runs (host, Microsoft.NETCore.App, and Microsoft.AspNetCore.App for `mimicry serve`'s
# Kestrel), so the target needs no .NET install.
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$out/dotnet/"
for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  runtime="$(ls -d "$dotnet_root/shared/$framework"/10.* | sort -V | tail -1)"
  mkdir -p "$out/dotnet/shared/$framework"
  cp -a "$runtime" "$out/dotnet/shared/$framework/"
done
cp -L /lib/x86_64-linux-gnu/libchipmunk.so.7 "$out/lib/"
for tool in mimicry:app/Mimicry.Cli.dll mimicry-bench:bench/Mimicry.Bench.dll; do
  name="${tool%%:*}" dll="${tool#*:}"
  cat > "$out/$name" <<LAUNCHER
#!/usr/bin/env bash
# Mimicry without a .NET SDK or libtorch of its own: set MIMICRY_LIBTORCH=DIR (a torch/lib folder), or have
# python3 import a PyTorch; \`$name doctor\` says what was found.
here="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
export DOTNET_ROOT="\$here/dotnet"
export LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "\$here/dotnet/dotnet" "\$here/$dll" "\$@"
LAUNCHER
  chmod +x "$out/$name"
done
mkdir -p "$out/data" && cp -a "$root/data/pusht" "$out/data/"
git -C "$root" rev-parse --short HEAD > "$out/REVISION" 2>/dev/null || true
tar -C "$(dirname "$out")" -cJf "$out.tar.xz" "$(basename "$out")"
echo "bundle: $out ($(du -sh "$out" | cut -f1)), $out.tar.xz ($(du -h "$out.tar.xz" | cut -f1))" >&2
