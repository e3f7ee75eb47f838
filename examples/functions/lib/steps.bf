# The steps the stages CALL.

FUNCTION compile TARGET OUT=/out/app
    RUN mkdir -p "$(dirname "$OUT")" && echo "app for $TARGET" > "$OUT"
END

FUNCTION stamp NOTE
    RUN echo "$NOTE" > /etc/build-note
    LABEL org.example.note="$NOTE"
END
