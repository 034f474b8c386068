package io.keeper.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusJsonTest {

    private static String text(Map<String, ?> fields) {
        return new String(StatusJson.object(fields), StandardCharsets.UTF_8);
    }

    @Test
    void writesFieldsInOrderWithTheirJsonTypesAndANewline() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("role", "primary");
        fields.put("rightfulPrimary", true);
        fields.put("timeline", 3);
        fields.put("term", 12_000_000_000L);
        fields.put("reason", null);

        assertEquals("{\"role\":\"primary\",\"rightfulPrimary\":true,\"timeline\":3,\"term\":12000000000,"
                + "\"reason\":null}\n", text(fields));
        assertEquals("{}\n", text(Map.of()));
    }

    @Test
    void escapedStringsReadBackAsWritten() throws Exception {
        String nasty = "quote \" backslash \\ newline \n tab \t bell \u0007 unicode é ✓ \uD83D\uDE00";

        JsonNode read = new ObjectMapper().readTree(text(Map.of("reason", nasty)));

        assertEquals(nasty, read.get("reason").asText());
    }

    @Test
    void refusesAValueWithoutAPlainJsonForm() {
        assertThrows(IllegalArgumentException.class, () -> StatusJson.object(Map.of("fenced", List.of("x"))));
    }
}
