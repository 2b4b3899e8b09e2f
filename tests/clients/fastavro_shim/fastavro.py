"""A stand-in for the three fastavro functions confluent_kafka.schema_registry.avro imports.

Debian ships confluent-kafka 1.7.0 but no fastavro package, and its
AvroSerializer/AvroDeserializer import parse_schema, schemaless_writer and
schemaless_reader from fastavro at module load. test_confluent_kafka.py puts
this directory on sys.path only when the real fastavro cannot be imported, so
the client's own serializer code still runs end to end while the Avro binary
encoding is done by Debian's python3-avro (apache avro 1.11).

Deliberately a single module without fastavro.schema: the legacy
confluent_kafka.avro MessageSerializer probes `from fastavro.schema import
parse_schema` and so keeps using python3-avro directly.
"""
import json

import avro.io
import avro.schema


class _ParsedSchema(dict):
    """The schema as a dict (as fastavro returns it) with the avro.schema object attached."""

    avro_schema = None


def parse_schema(schema):
    """Parses a schema given as a dict, list or str; returns a dict-like parsed schema."""
    parsed = avro.schema.parse(json.dumps(schema))
    result = _ParsedSchema(schema if isinstance(schema, dict) else {})
    # fastavro reports named types by their full name ("namespace.Name").
    fullname = getattr(parsed, "fullname", None)
    if isinstance(parsed, avro.schema.NamedSchema) and fullname:
        result["name"] = fullname
    result.avro_schema = parsed
    return result


def _avro_schema(parsed):
    if isinstance(parsed, _ParsedSchema):
        return parsed.avro_schema
    return parse_schema(parsed).avro_schema


def schemaless_writer(fo, schema, record):
    """Writes one datum in Avro binary encoding, without a container header."""
    avro.io.DatumWriter(_avro_schema(schema)).write(record, avro.io.BinaryEncoder(fo))


def schemaless_reader(fo, writer_schema, reader_schema=None, return_record_name=False):
    """Reads one datum written with writer_schema, resolved into reader_schema if given."""
    if return_record_name:
        raise NotImplementedError("return_record_name is not supported by the test shim")
    writer = _avro_schema(writer_schema)
    reader = _avro_schema(reader_schema) if reader_schema is not None else writer
    return avro.io.DatumReader(writer, reader).read(avro.io.BinaryDecoder(fo))
