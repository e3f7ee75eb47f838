# Several errors in one file: every one is reported, and the valid lines between them parse.
FROM alpine AS build
RUNN make
COPY --chmod=abc src/ /src/
RUN make
ENV PATH=/bin:${PATH
CMD ['make', 'run']
FROM build AS build
