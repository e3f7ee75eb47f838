@echo off
echo hello from a Windows image built by rustbuild
