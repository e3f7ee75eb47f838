# escape=`
FROM ${BASE} AS base
RUN echo one `
    two
