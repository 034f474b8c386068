package io.keeper.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes the flat JSON objects the status server answers with (string, number, boolean and null values) through
 * Jackson's streaming generator. The object mapper would also do it, but it loads and keeps some 400 more classes
 * (about 2 MiB of metaspace) in a process that answers a few checks a second.
 */
final class StatusJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private StatusJson() {
    }

    /** The object as UTF-8, keys in the map's order, followed by a newline. */
    static byte[] object(Map<String, ?> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * fields.size() + 3);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            for (Map.Entry<String, ?> field : fields.entrySet()) {
                json.writeFieldName(field.getKey());
                value(json, field.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a ByteArrayOutputStream does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void value(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Integer i) {
            json.writeNumber(i);
        } else if (value instanceof Long l) {
            json.writeNumber(l);
        } else if (value instanceof CharSequence s) {
            json.writeString(s.toString());
        } else {
            throw new IllegalArgumentException("no JSON form for a " + value.getClass().getName());
        }
    }
}
