FROM alpine
RUNN echo hi
COPPY a b
FETCH https://example.com
