ARG GLOBAL_TOKEN
FROM alpine
ARG SSH_PUBLIC_KEY
ENV TOKEN_FILE=/run/secrets/token DEBUG=1
RUN --mount=type=secret,id=aws_key_id,env=AWS_ACCESS_KEY_ID \
    --mount=type=secret,id=aws_secret_key,env=AWS_SECRET_ACCESS_KEY \
    aws s3 cp s3://my-bucket/file .
