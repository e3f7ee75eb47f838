FROM scratch
ENV MODE production
ENV GREETING hello world
LABEL maintainer "Jo Bloggs <jo@example.com>"
LABEL description "a \"quoted\" word" with more
