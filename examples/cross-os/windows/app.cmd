@echo off
type C:\app\greeting.txt
