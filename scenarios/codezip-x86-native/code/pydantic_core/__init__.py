from ._pydantic_core import SchemaValidator, ValidationError, __version__

__all__ = ["SchemaValidator", "ValidationError", "__version__"]
