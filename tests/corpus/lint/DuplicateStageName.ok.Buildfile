FROM alpine AS builder
RUN echo one > /out

FROM alpine AS tester
RUN echo two > /out
