"""The API's OpenAPI document names a response schema for every route: /docs shows what each
returns, field by field, and no route answers with an untyped object."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.api import create_app
from service.config import Settings

# The schema each JSON route returns (a route added without one fails the test below).
EXPECTED = {
    ("GET", "/healthz"): "Health",
    ("POST", "/documents"): "IngestResult",
    ("GET", "/documents"): "DocumentsResponse",
    ("GET", "/search"): "SearchResponse",
    ("POST", "/ask"): "Answer",
    ("GET", "/companies/{ticker}/debt"): "Ledger",
    ("GET", "/screen"): "UniverseScreen",
    ("GET", "/companies/{ticker}/screen"): "CompanyScreen",
    ("GET", "/flags"): "FlagsResponse",
    ("POST", "/market"): "MarketInputs",
    ("GET", "/watch/status"): "WatchStatus",
    ("GET", "/companies/{ticker}/contracts"): "ContractBook",
}
IMAGES = {("GET", "/maturities.png"), ("GET", "/companies/{ticker}/maturities.png")}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # The schema is built from the routes alone: no pipeline is used (none is started).
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("openapi")), pipeline=object())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def spec(app) -> dict:
    response = TestClient(app, base_url="http://127.0.0.1").get("/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def success(operation: dict) -> dict:
    return next(r for code, r in operation["responses"].items() if code.startswith("2"))


def resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_route_names_its_response_schema(app, spec):
    routes = {(method, route.path) for route in app.routes if isinstance(route, APIRoute) for method in route.methods}
    assert routes == set(EXPECTED) | IMAGES  # every route is listed here, with what it returns
    for method, path in routes:
        content = success(spec["paths"][path][method.lower()])["content"]
        if (method, path) in IMAGES:
            assert list(content) == ["image/png"], (method, path)
            continue
        schema = content["application/json"]["schema"]
        assert schema.get("$ref", "").endswith(f"/{EXPECTED[(method, path)]}"), (method, path, schema)
        named = resolve(spec, schema)
        assert named.get("type") == "object" and named.get("properties"), (method, path, named)


def test_no_response_schema_is_an_untyped_object(spec):
    """Down through every named schema, an object either lists its properties or types its values:
    a free-form part (a flag's numbers, an answer's data) is a typed mapping, never a bare object."""
    untyped = []
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in (schema.get("properties") or {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "object" and "properties" not in option and "additionalProperties" not in option:
                    untyped.append(f"{name}.{field}")
    assert untyped == []


def test_the_domain_schemas_are_real(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Ledger"]["properties"]["instruments"]["items"]["$ref"].endswith("/Instrument")
    instrument = schemas["Instrument"]["properties"]
    assert {"principal_usd", "coupon_pct", "maturity_date", "outstanding_history", "conflicts", "mentions"} <= set(instrument)
    assert schemas["ScreenRow"]["properties"]["metrics"]["additionalProperties"]["$ref"].endswith("/Metric")
    assert {"value", "inputs", "note"} == set(schemas["Metric"]["properties"])
    assert schemas["ContractBook"]["properties"]["contracts"]["items"]["$ref"].endswith("/ContractHistory")
    assert schemas["FlagsResponse"]["properties"]["flags"]["items"]["$ref"].endswith("/Flag")
    assert schemas["Flag"]["properties"]["detail"]["$ref"].endswith("/FlagDetail")
