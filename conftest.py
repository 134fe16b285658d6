# Repository root on sys.path: `import fixtures`, `import vectors`.
