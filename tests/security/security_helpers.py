"""Constants the security tests share (a module of its own: `conftest` names collide across folders)."""

TOKEN = "test-token-0123456789abcdef"
