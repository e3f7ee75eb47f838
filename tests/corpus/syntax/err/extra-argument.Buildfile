FROM alpine AS build extra
FROM alpine base
HEALTHCHECK NONE please
