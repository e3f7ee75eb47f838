FROM alpine
ENV A=1 B
ARG 1X=2
ENV my-var=1
LABEL =value
ARG =x
