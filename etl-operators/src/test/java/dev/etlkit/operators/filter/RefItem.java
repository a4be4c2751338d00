package dev.etlkit.operators.filter;

import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The record of {@link PipelineIndependentReferenceTest}: nullable fields so that predicates and
 * projections meet missing values.
 */
public record RefItem(
    int id, @Nullable String region, @Nullable Integer cents, @Nullable String tag) {
  static final TypeInformation<RefItem> TYPE_INFO = TypeInformation.of(RefItem.class);
}
