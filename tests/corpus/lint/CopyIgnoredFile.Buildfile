FROM scratch
COPY ./app/tmp/helloworld.txt /helloworld.txt
ADD dist /dist
