#!/bin/sh
echo "api: port ${PORT}, on $(cat /etc/base-release); $(healthy)"
