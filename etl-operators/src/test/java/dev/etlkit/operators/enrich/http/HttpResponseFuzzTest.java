package dev.etlkit.operators.enrich.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.etlkit.operators.JsonReadLimits;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of what the HTTP lookup makes of a response body (Jazzer). In the normal
 * build it runs the committed corpus under {@code HttpResponseFuzzTestInputs/read/} as regression
 * tests. For every body, each reader (a Jackson type, a {@code JsonNode} mapper, the batch object)
 * returns a value or a miss, or throws a permanent {@link HttpLookupException} whose message holds
 * no byte of the body; it never throws anything else and never hangs.
 *
 * <p>To fuzz (the build turns Jazzer's instrumentation off with {@code jazzer.hooks=false}; turn it
 * back on, and include Jackson's parser in the coverage, since Jazzer instruments only this package
 * by default). Two minutes here reach about 2,900 edges and 500,000 inputs:
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw test -pl etl-operators -Dtest=HttpResponseFuzzTest \
 *     -Djunit.jupiter.execution.timeout.mode=disabled -Djazzer.hooks=true \
 *     -Djazzer.instrumentation_includes='dev.etlkit.**:com.fasterxml.jackson.**'
 * </pre>
 */
class HttpResponseFuzzTest {

  private static final JsonReadLimits LIMITS =
      JsonReadLimits.defaults().withMaxDocumentBytes(64 * 1024).withMaxNestingDepth(32);
  private static final String MARKER = "SECRET-MARKER";

  private static final Map<String, String> BATCH_KEYS = Map.of("c-1", "c-1", "k", "k");

  /** See JsonParseFuzzTest: no sanitizer hooks in the regression run (they cost ~40 s). */
  @BeforeAll
  static void withoutSanitizerHooks() {
    if (System.getenv("JAZZER_FUZZ") == null) {
      System.setProperty("jazzer.hooks", "false");
    }
  }

  /**
   * The readers, in a holder loaded on the first input: Jazzer instruments only classes loaded
   * after its agent is attached, which happens when it provides the first input, and JUnit would
   * load the types of this class's own fields before that.
   */
  private static final class Readers {
    static final ResponseReader<Profile> TYPED = new ResponseReader<>(LIMITS, Profile.class, null);
    static final ResponseReader<String> MAPPED =
        new ResponseReader<>(LIMITS, null, HttpResponseFuzzTest::name);
  }

  private static String name(JsonNode node) {
    return node.path("name").asText(null);
  }

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void read(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    check(() -> Readers.TYPED.value(body, 200), text);
    check(() -> Readers.MAPPED.value(body, 200), text);
    check(() -> Readers.TYPED.values(body, 200, BATCH_KEYS), text);
    check(() -> Readers.MAPPED.values(body, 200, BATCH_KEYS), text);
  }

  private static void check(Runnable read, String body) {
    try {
      read.run();
    } catch (HttpLookupException e) {
      assertThat(e.retryable()).isFalse();
      assertThat(e.statusCode()).hasValue(200);
      if (body.contains(MARKER)) {
        assertThat(e.getMessage()).doesNotContain(MARKER);
      }
    }
  }
}
