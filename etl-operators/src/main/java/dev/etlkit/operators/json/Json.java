package dev.etlkit.operators.json;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.json.internal.FlinkTypes;
import dev.etlkit.operators.json.internal.JsonTypes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * JSON steps: {@link #parse} reads JSON into typed records, {@link #write} writes typed records as
 * JSON. The types are Flink POJOs or Java records (Flink serializes both as POJOs, without Kryo),
 * with nested POJOs and records, lists, maps, enums, {@code BigDecimal} and java.time fields.
 *
 * <pre>{@code
 * EtlStream<Order> orders =
 *     Etl.from(kafkaValues, "orders")
 *         .apply(Json.parse("parse", Order.class)
 *             .withRequiredFields("orderId")
 *             .withFieldCoercion("amount", Coercion.tryCast().orDeadLetter()));
 * }</pre>
 *
 * <p>Both steps keep no state (no TTL applies) and convert each record on its own, keeping its
 * timestamp, in the order each subtask receives them; duplicates and late records are converted
 * like any other.
 */
@PublicEvolving
public final class Json {
  private Json() {}

  /**
   * A step reading each {@code byte[]} record as one JSON object into a {@code T}; see {@link
   * JsonParse} for its options and what becomes a dead letter.
   *
   * @param stepName the step's name in its pipeline
   * @param type a Flink POJO or record class Jackson can construct
   * @throws IllegalArgumentException if the name is invalid, Flink would serialize the type (or a
   *     type inside it) with Kryo, or Jackson cannot construct it
   */
  public static <T> JsonParse<byte[], T> parse(String stepName, Class<T> type) {
    Names.requireValid(stepName, "step name");
    Objects.requireNonNull(type, "type");
    TypeInformation<T> outputType = FlinkTypes.pojoTypeOf(type);
    ObjectMapper mapper = JsonTypes.introspector();
    JsonTypes.requireBindable(mapper, type);
    Map<String, Class<?>> properties = new LinkedHashMap<>();
    for (Map.Entry<String, JavaType> e : JsonTypes.readableProperties(mapper, type).entrySet()) {
      properties.put(e.getKey(), e.getValue().getRawClass());
    }
    return JsonParse.create(stepName, type, outputType, properties);
  }

  /**
   * A step writing each {@code T} as one JSON object in UTF-8 bytes ({@link JsonWrite#asText()} for
   * text); see {@link JsonWrite}. {@link #parse} reads the output back into equal records (within
   * its read limits, which writing does not check), except that a {@code BigDecimal} reads back
   * with scale {@code max(scale, 0)} ({@code 1E+3} as {@code 1000}: numerically equal, not {@code
   * equals}), as it is written in plain notation.
   *
   * <p>A record that cannot be written (a getter throws an exception, writing overflows the stack)
   * becomes a dead letter; any other {@link Error} a getter throws ({@code AssertionError}, ...) is
   * no bad record: it fails the task, unwrapped, whatever the error policy.
   *
   * @param stepName the step's name in its pipeline
   * @param type the class of the records
   * @throws IllegalArgumentException if the name is invalid
   */
  public static <T> JsonWrite<T, byte[]> write(String stepName, Class<T> type) {
    Names.requireValid(stepName, "step name");
    return JsonWrite.create(stepName, Objects.requireNonNull(type, "type"));
  }
}
