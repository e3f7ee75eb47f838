# escape=`
# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
SHELL ["cmd", "/S", "/C"]
WORKDIR C:\app
COPY app.cmd C:\app\
RUN echo one && `
    echo two
ENV APP_HOME=C:\app PATH="C:\app;C:\Windows" TICK=a``b
ENTRYPOINT ["C:\\app\\app.cmd"]
