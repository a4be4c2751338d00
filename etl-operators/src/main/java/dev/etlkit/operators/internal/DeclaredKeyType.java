package dev.etlkit.operators.internal;

import dev.etlkit.core.internal.KryoTypes;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.TypeExtractor;

/**
 * The check of a declared key type against the type of the key selector, where it can be inferred:
 * a step keyed with a declared type its selector's keys do not have fails where its key serializer
 * meets the first key (RocksDB at once, the heap at the next checkpoint), so the steps refuse it
 * when applied. Used by dedup ({@code withKeyType}), normalize, the changelog check and the
 * dimension join.
 */
@Internal
public final class DeclaredKeyType {

  private DeclaredKeyType() {}

  /**
   * The inferred type of {@code selector}'s keys if it is known and differs from {@code declared},
   * else {@code null}: also when erasure hides it, or the selector is declared to return {@code
   * Object} (a generic type says nothing; the declared one tells).
   */
  @Nullable
  public static <T, K> TypeInformation<K> conflicting(
      TypeInformation<K> declared, KeySelector<T, K> selector, TypeInformation<T> inputType) {
    TypeInformation<K> inferred;
    try {
      inferred = TypeExtractor.getKeySelectorTypes(selector, inputType);
    } catch (InvalidTypesException e) {
      return null; // lost to erasure: the declared type is all there is
    }
    return KryoTypes.genericParts(inferred).isEmpty() && !inferred.equals(declared)
        ? inferred
        : null;
  }
}
