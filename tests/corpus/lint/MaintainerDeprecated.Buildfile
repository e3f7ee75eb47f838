FROM alpine
MAINTAINER Jo Bloggs <jo@example.com>
