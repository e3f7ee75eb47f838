FROM alpine AS 1st
FROM alpine AS my/stage
FROM alpine AS ""
FROM alpine AS $NAME
