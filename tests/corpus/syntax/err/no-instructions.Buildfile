# syntax=docker/dockerfile:1
# Only comments here.

