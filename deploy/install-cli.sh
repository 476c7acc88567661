#!/usr/bin/env bash
# Makes `takedown` a command: writes .run/bin/takedown, a wrapper that runs the Release build of services/Cli.
# Builds the CLI first, unless --no-build (the run command has just built the whole solution in Release).
# Then: export PATH="$PWD/.run/bin:$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ "${1:-}" != "--no-build" ]; then
  mkdir -p .run/logs
  echo "build: dotnet build services/Cli -c Release"
  dotnet build services/Cli/Takedown.Cli.csproj -c Release -v quiet -nologo >.run/logs/cli-build.log 2>&1 \
    || { tail -n 30 .run/logs/cli-build.log; exit 1; }
fi

dll="$PWD/services/Cli/bin/Release/net10.0/takedown.dll"
[ -f "$dll" ] || { echo "install-cli: $dll is missing; run without --no-build" >&2; exit 1; }
mkdir -p .run/bin
{
  echo '#!/bin/sh'
  echo '# Written by deploy/install-cli.sh: the Release build of services/Cli.'
  printf 'exec dotnet %q "$@"\n' "$dll"
} >.run/bin/takedown
chmod +x .run/bin/takedown
echo "cli: $PWD/.run/bin/takedown"
