# escape=/
# escape=`
FROM alpine
