FROM alpine
COPY --fron=build /a /b
COPY --parents src/ /dst/
RUN --device=nvidia.com/gpu=all nvidia-smi
ENV --global A=b
RUN --mout=type=cache,target=/root/.cache make
