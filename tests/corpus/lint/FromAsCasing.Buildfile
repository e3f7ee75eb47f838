FROM alpine as build
RUN echo build > /out

from alpine AS test
run echo test
