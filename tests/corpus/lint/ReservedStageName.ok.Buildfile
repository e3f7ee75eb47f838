FROM alpine AS base
RUN echo one > /out

FROM alpine AS sources
RUN echo two > /out
