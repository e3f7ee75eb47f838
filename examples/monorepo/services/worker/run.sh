#!/bin/sh
echo "worker: queue ${QUEUE}, on $(cat /etc/base-release); $(healthy)"
