FROM alpine AS build
RUN echo build > /out

FROM alpine AS test
RUN echo test
