package dev.etlkit.operators.json;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StepContext;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.json.internal.CoercionTarget;
import dev.etlkit.operators.json.internal.JsonParseConfig;
import dev.etlkit.operators.json.internal.JsonParseFunction;
import dev.etlkit.operators.json.internal.JsonRecordReader;
import dev.etlkit.operators.json.internal.TryCast;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;

/**
 * A step reading one JSON object per input record into a {@code T} (a Flink POJO or a Java record);
 * build it with {@link Json#parse}. Every record that is not exactly one valid {@code T} becomes
 * exactly one {@link DeadLetter} with the original bytes, a {@link JsonRecordException} reason and
 * the source coordinates when the input has them; its neighbours are unaffected.
 *
 * <p>Options, each validated when set; cross-option rules are checked when the step is applied:
 *
 * <ul>
 *   <li>{@link #withInput}: what the input records are (default {@code byte[]}, {@link
 *       PayloadInput#bytes()}).
 *   <li>{@link #withUnknownFields}: ignore fields the type does not have, or reject the record
 *       (default {@link #DEFAULT_UNKNOWN_FIELDS}).
 *   <li>{@link #withRequiredFields} and {@link #withPrimitiveFieldsRequired}: which fields must be
 *       present and non-null. Required are the named top-level fields, fields annotated
 *       {@code @JsonProperty(required = true)} at any depth, and fields of primitive type at any
 *       depth (default {@link #DEFAULT_PRIMITIVE_FIELDS_REQUIRED}: a missing {@code int} would
 *       otherwise silently read as 0). A missing or null required field rejects the record. Other
 *       fields may be missing or null (a missing field keeps the value the constructor gave it).
 *   <li>{@link #withCoercion} and {@link #withFieldCoercion}: TRY-cast values of the wrong JSON
 *       type (default {@link #DEFAULT_COERCION}, none: a wrong type rejects the record).
 *   <li>{@link #withReadLimits}: document size, nesting depth, string and number length (default
 *       {@link JsonReadLimits#defaults()}).
 *   <li>{@link #withErrorPolicy}: what to do with rejected records (default: the pipeline's).
 * </ul>
 *
 * <p>Polymorphic typing is never enabled: a type id such as {@code "@class"} in the payload is an
 * ordinary (unknown) field and can never make the step instantiate a class. Immutable.
 *
 * @param <I> the input record type
 * @param <T> the type read
 */
@PublicEvolving
public final class JsonParse<I, T> implements EtlStep<I, T> {

  /** Unknown fields are ignored. */
  public static final UnknownFields DEFAULT_UNKNOWN_FIELDS = UnknownFields.IGNORE;

  /** Fields of primitive type are required. */
  public static final boolean DEFAULT_PRIMITIVE_FIELDS_REQUIRED = true;

  /** No coercion: a JSON value of the wrong type rejects the record. */
  public static final Coercion DEFAULT_COERCION = Coercion.none();

  private final String name;
  private final Class<T> type;
  private final TypeInformation<T> outputType;
  private final Map<String, Class<?>> properties; // top level, by JSON name
  private final PayloadInput<I> input;
  private UnknownFields unknownFields;
  private Set<String> requiredFields;
  private boolean primitiveFieldsRequired;
  private Coercion coercion;
  private Map<String, Coercion> fieldCoercions;
  private JsonReadLimits readLimits;
  @Nullable private ErrorPolicy errorPolicy;

  private JsonParse(
      String name,
      Class<T> type,
      TypeInformation<T> outputType,
      Map<String, Class<?>> properties,
      PayloadInput<I> input,
      UnknownFields unknownFields,
      Set<String> requiredFields,
      boolean primitiveFieldsRequired,
      Coercion coercion,
      Map<String, Coercion> fieldCoercions,
      JsonReadLimits readLimits,
      @Nullable ErrorPolicy errorPolicy) {
    this.name = name;
    this.type = type;
    this.outputType = outputType;
    this.properties = properties;
    this.input = input;
    this.unknownFields = unknownFields;
    this.requiredFields = requiredFields;
    this.primitiveFieldsRequired = primitiveFieldsRequired;
    this.coercion = coercion;
    this.fieldCoercions = fieldCoercions;
    this.readLimits = readLimits;
    this.errorPolicy = errorPolicy;
  }

  /** A copy of {@code from}, for one withX to change (no field changes once returned). */
  private JsonParse(JsonParse<I, T> from) {
    name = from.name;
    type = from.type;
    outputType = from.outputType;
    properties = from.properties;
    input = from.input;
    unknownFields = from.unknownFields;
    requiredFields = from.requiredFields;
    primitiveFieldsRequired = from.primitiveFieldsRequired;
    coercion = from.coercion;
    fieldCoercions = from.fieldCoercions;
    readLimits = from.readLimits;
    errorPolicy = from.errorPolicy;
  }

  private JsonParse<I, T> copy() {
    return new JsonParse<>(this);
  }

  static <T> JsonParse<byte[], T> create(
      String name, Class<T> type, TypeInformation<T> outputType, Map<String, Class<?>> properties) {
    return new JsonParse<>(
        name,
        type,
        outputType,
        Collections.unmodifiableMap(new LinkedHashMap<>(properties)),
        PayloadInput.bytes(),
        DEFAULT_UNKNOWN_FIELDS,
        Set.of(),
        DEFAULT_PRIMITIVE_FIELDS_REQUIRED,
        DEFAULT_COERCION,
        Map.of(),
        JsonReadLimits.defaults(),
        null);
  }

  /**
   * Reads another kind of input record: {@link PayloadInput#text()} for strings (for example lines
   * of a file), {@link PayloadInput#rawRecords()} for Kafka-style records with keys, tombstones and
   * source coordinates (copied into dead letters).
   */
  public <I2> JsonParse<I2, T> withInput(PayloadInput<I2> input) {
    return new JsonParse<>(
        name,
        type,
        outputType,
        properties,
        Objects.requireNonNull(input, "input"),
        unknownFields,
        requiredFields,
        primitiveFieldsRequired,
        coercion,
        fieldCoercions,
        readLimits,
        errorPolicy);
  }

  /** What to do with fields the type does not have ({@link #DEFAULT_UNKNOWN_FIELDS}). */
  public JsonParse<I, T> withUnknownFields(UnknownFields policy) {
    JsonParse<I, T> copy = copy();
    copy.unknownFields = Objects.requireNonNull(policy, "unknownFields");
    return copy;
  }

  /**
   * Top-level fields that must be present and non-null; replaces earlier names. A record missing
   * one (or with JSON null in it, or null after a failed {@link Coercion#tryCast()}) becomes a dead
   * letter with reason {@code MISSING_REQUIRED_FIELD}.
   *
   * @param fields JSON names of properties of the type
   * @throws IllegalArgumentException if a name is not a property of the type
   */
  public JsonParse<I, T> withRequiredFields(String... fields) {
    Set<String> names = new TreeSet<>();
    for (String field : Objects.requireNonNull(fields, "fields")) {
      names.add(requireProperty("requiredFields", field));
    }
    JsonParse<I, T> copy = copy();
    copy.requiredFields = Collections.unmodifiableSet(names);
    return copy;
  }

  /**
   * Whether fields of primitive type ({@code int}, {@code long}, {@code double}, {@code boolean},
   * ...) are required, at any depth ({@link #DEFAULT_PRIMITIVE_FIELDS_REQUIRED}). The elements of a
   * primitive array ({@code int[]}, ...) follow the same option: a JSON null among them rejects the
   * record ({@code MISSING_REQUIRED_FIELD} at the element's path). With {@code false}, a missing or
   * null primitive, and a null element, reads as its Java default (0, false), as plain Jackson
   * does.
   */
  public JsonParse<I, T> withPrimitiveFieldsRequired(boolean required) {
    JsonParse<I, T> copy = copy();
    copy.primitiveFieldsRequired = required;
    return copy;
  }

  /**
   * The coercion of every field of a coercible type, at any depth, that has none of its own ({@link
   * #DEFAULT_COERCION}). A default given with {@link Coercion#orDefault} must fit every such field;
   * that is checked when the step is applied.
   */
  public JsonParse<I, T> withCoercion(Coercion coercion) {
    JsonParse<I, T> copy = copy();
    copy.coercion = Objects.requireNonNull(coercion, "coercion");
    return copy;
  }

  /**
   * The coercion of one top-level field, overriding {@link #withCoercion} ({@link Coercion#none()}
   * exempts the field). Setting a field again replaces its coercion.
   *
   * @throws IllegalArgumentException if the field is not a property of the type, its type is not
   *     coercible, or the coercion's default does not fit it
   */
  public JsonParse<I, T> withFieldCoercion(String field, Coercion fieldCoercion) {
    requireProperty("fieldCoercion", field);
    Objects.requireNonNull(fieldCoercion, "fieldCoercion");
    if (fieldCoercion.isEnabled()) {
      Class<?> fieldType = properties.get(field);
      CoercionTarget target = CoercionTarget.of(fieldType);
      if (target == null) {
        throw new IllegalArgumentException(
            "fieldCoercion: field '"
                + field
                + "' has type "
                + fieldType.getSimpleName()
                + ", which cannot be coerced; coercible types: "
                + CoercionTarget.SUPPORTED);
      }
      Object defaultValue = fieldCoercion.defaultValue();
      if (defaultValue != null
          && new TryCast(Integer.MAX_VALUE).fromValue(defaultValue, target) == TryCast.FAILED) {
        throw new IllegalArgumentException(
            "fieldCoercion: default "
                + defaultValue
                + " ("
                + defaultValue.getClass().getSimpleName()
                + ") does not fit field '"
                + field
                + "' ("
                + target
                + ")");
      }
    }
    Map<String, Coercion> coercions = new TreeMap<>(fieldCoercions);
    coercions.put(field, fieldCoercion);
    JsonParse<I, T> copy = copy();
    copy.fieldCoercions = Collections.unmodifiableMap(coercions);
    return copy;
  }

  /** Limits on what one document may hold ({@link JsonReadLimits#defaults()}). */
  public JsonParse<I, T> withReadLimits(JsonReadLimits limits) {
    JsonParse<I, T> copy = copy();
    copy.readLimits = Objects.requireNonNull(limits, "readLimits");
    return copy;
  }

  /**
   * Overrides the pipeline's error policy for this step. A second call replaces the policy; {@link
   * #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public JsonParse<I, T> withErrorPolicy(ErrorPolicy policy) {
    JsonParse<I, T> copy = copy();
    copy.errorPolicy = Objects.requireNonNull(policy, "policy");
    return copy;
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public JsonParse<I, T> withPipelineErrorPolicy() {
    JsonParse<I, T> copy = copy();
    copy.errorPolicy = null;
    return copy;
  }

  @Override
  public String name() {
    return name;
  }

  /** The type of the step's output records. */
  public TypeInformation<T> outputType() {
    return outputType;
  }

  /**
   * @throws IllegalArgumentException if the stream's type is not the input's, or a coercion default
   *     does not fit a field it applies to
   */
  @Override
  public DataStream<T> expand(DataStream<I> stream, StepContext context) {
    if (!stream.getType().equals(input.type())) {
      throw new IllegalArgumentException(
          "step '"
              + name
              + "' reads "
              + input.type()
              + " but the stream carries "
              + stream.getType()
              + "; choose the input with withInput(PayloadInput.text()), bytes() or rawRecords()");
    }
    SingleOutputStreamOperator<T> parsed =
        context.named(stream.process(newFunction(context.errorHandler(errorPolicy)), outputType));
    context.addDeadLettersOf(parsed);
    return parsed;
  }

  /**
   * The step's function, for tests and for users who wire functions themselves. Checks the
   * cross-option rules (a coercion default must fit every field it applies to) now, rather than in
   * every subtask.
   */
  ProcessFunction<I, T> newFunction(ErrorHandler errors) {
    JsonParseConfig<T> config = config();
    new JsonRecordReader<>(config);
    return new JsonParseFunction<>(input, errors, config);
  }

  private JsonParseConfig<T> config() {
    return new JsonParseConfig<>(
        type,
        readLimits,
        unknownFields,
        requiredFields,
        primitiveFieldsRequired,
        coercion,
        fieldCoercions);
  }

  private String requireProperty(String option, @Nullable String field) {
    if (field == null || !properties.containsKey(field)) {
      throw new IllegalArgumentException(
          option
              + ": '"
              + field
              + "' is not a property of "
              + type.getSimpleName()
              + "; its properties are "
              + new LinkedHashSet<>(properties.keySet()));
    }
    return field;
  }

  @Override
  public String toString() {
    return "JsonParse{"
        + name
        + ", type="
        + type.getSimpleName()
        + ", unknownFields="
        + unknownFields
        + ", requiredFields="
        + requiredFields
        + ", primitiveFieldsRequired="
        + primitiveFieldsRequired
        + ", coercion="
        + coercion
        + ", fieldCoercions="
        + fieldCoercions
        + ", readLimits="
        + readLimits
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + "}";
  }
}
