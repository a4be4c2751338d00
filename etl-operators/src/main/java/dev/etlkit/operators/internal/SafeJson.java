package dev.etlkit.operators.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.etlkit.operators.JsonReadLimits;
import java.io.IOException;
import org.apache.flink.annotation.Internal;

/**
 * The one way etlkit builds Jackson mappers: read limits from {@link JsonReadLimits}, java.time
 * support, no default (polymorphic) typing ever, and exception messages without source excerpts (so
 * payloads never reach a log or a dead letter's message).
 */
@Internal
public final class SafeJson {
  private SafeJson() {}

  /** A mapper enforcing {@code limits}; configure per step on top of it, then share it. */
  public static JsonMapper.Builder mapperBuilder(JsonReadLimits limits) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(limits.maxNestingDepth())
                    .maxStringLength(limits.maxStringLength())
                    .maxNumberLength(limits.maxNumberLength())
                    .maxDocumentLength(limits.maxDocumentBytes())
                    .build())
            // Keeps the source excerpt out of exception locations ("Source: REDACTED").
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    return JsonMapper.builder(factory)
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .deactivateDefaultTyping();
  }

  /**
   * Rejects a document over the size limit before any parsing.
   *
   * @throws IOException naming the size and the limit
   */
  public static void checkSize(byte[] payload, JsonReadLimits limits) throws IOException {
    if (payload.length > limits.maxDocumentBytes()) {
      throw new IOException(
          "document of "
              + payload.length
              + " bytes exceeds maxDocumentBytes "
              + limits.maxDocumentBytes());
    }
  }
}
