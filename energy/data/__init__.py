"""Data tables of 数字节能: conversion factors, quotas, sample tariffs (TOML)."""

__all__: list[str] = []
