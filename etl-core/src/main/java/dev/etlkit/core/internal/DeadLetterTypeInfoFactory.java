package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Lets Flink's type extraction see {@link DeadLetter} as {@link DeadLetter#TYPE_INFO} instead of a
 * Kryo generic type.
 */
@Internal
public final class DeadLetterTypeInfoFactory extends TypeInfoFactory<DeadLetter> {

  @Override
  public TypeInformation<DeadLetter> createTypeInfo(
      Type t, Map<String, TypeInformation<?>> genericParameters) {
    return DeadLetter.TYPE_INFO;
  }
}
