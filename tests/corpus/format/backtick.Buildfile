# escape=`

from   mcr.microsoft.com/windows/nanoserver:ltsc2022
   run   dir   C:\   `
      &&   echo   done
copy    --from=build    `
  --chown=app   `
              C:\src\   C:\dst\
workdir   C:\app
  cmd   ["cmd",   "/S",   "/C",   "echo hi"]
