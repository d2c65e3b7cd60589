package dev.sinkgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void object_escapesStringsAndKeepsKeyOrder() {
    String json = Json.object().put("b", "quote \" slash \\ nl \n tab \t bell \u0007 é").put("a", 1).toString();

    assertEquals("{\"b\":\"quote \\\" slash \\\\ nl \\n tab \\t bell \\u0007 é\",\"a\":1}", json);
    // and a real parser reads it back (gson is on the test class path as a dependency of grpc)
    JsonObject parsed = JsonParser.parseString(json).getAsJsonObject();
    assertEquals("quote \" slash \\ nl \n tab \t bell \u0007 é", parsed.get("b").getAsString());
  }

  @Test
  void object_nestedObjectsMapsAndNonFiniteNumbers() {
    Map<String, Long> errors = new LinkedHashMap<>();
    errors.put("UNAVAILABLE", 3L);

    String json = Json.object().put("errors", errors).put("inner", Json.object().put("x", true))
        .put("nan", Double.NaN).put("none", null).put("rate", 2.5).toString();

    assertEquals("{\"errors\":{\"UNAVAILABLE\":3},\"inner\":{\"x\":true},\"nan\":null,\"none\":null,\"rate\":2.5}", json);
  }
}
