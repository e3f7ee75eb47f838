RUN true
INCLUDE more.bf
