FROM alpine AS builder
RUN echo one > /out

FROM alpine AS builder
RUN echo two > /out
