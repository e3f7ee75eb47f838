FROM scratch AS build
COPY ./forever/helloworld.txt /helloworld.txt
COPY node_modules /node_modules
COPY . /src
FROM scratch
COPY --from=build /dist /dist
