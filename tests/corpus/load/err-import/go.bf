ARG GO=1
FROM golang:${GO} AS builder
