from strands import tool


@tool
def weather(city: str) -> str:
    """Today's weather in a city."""
    return f"It is sunny in {city}."
