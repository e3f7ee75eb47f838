FROM alpine AS scratch
RUN echo one > /out

FROM alpine AS context
RUN echo two > /out
