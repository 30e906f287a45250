# Sourced by the MSI tests, inside scripts/wine-run.sh --shell (WINE, WINEPREFIX set).
#
# Windows Installer stops a running service before it removes the service's files and
# waits until it has stopped (ServiceControl Wait="yes" in packaging/ocsfed.wxs).
# Wine 8.0's msiexec sends the stop request and goes straight on (dlls/msi/action.c,
# stop_service): when the service process has not exited by RemoveFiles, the running
# ocsfed.exe cannot be deleted and is left behind. So, before an uninstall, the tests
# do the waiting Windows Installer does: stop the service and wait until no process
# maps ocsfed.exe any more.

# msi_wait_service_gone SERVICE EXE_UNIX_PATH: 0 once no process maps the file (15 s).
msi_wait_service_gone() {
  local i
  "$WINE" net stop "$1" >/dev/null 2>&1
  for i in $(seq 150); do
    grep -qsF "$2" /proc/[0-9]*/maps || return 0
    sleep 0.1
  done
  return 1
}
