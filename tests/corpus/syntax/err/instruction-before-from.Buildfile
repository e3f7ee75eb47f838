ARG BASE=alpine
RUN echo too early
ENV A=b
FROM ${BASE}
