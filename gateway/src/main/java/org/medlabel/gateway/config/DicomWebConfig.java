package org.medlabel.gateway.config;

import io.smallrye.config.ConfigMapping;
import java.net.URI;
import java.util.Optional;

/**
 * The PACS MedLabel talks DICOMweb to ({@code medlabel.dicomweb.*}; environment {@code MEDLABEL_DICOMWEB_*}), as
 * MONAI Label's {@code --studies http://...} with {@code MONAI_LABEL_QIDO_PREFIX}, {@code _WADO_PREFIX},
 * {@code _STOW_PREFIX} and {@code MONAI_LABEL_DICOMWEB_USERNAME/PASSWORD}. The gateway's {@code /proxy/dicom/*}
 * forwards to it.
 */
@ConfigMapping(prefix = "medlabel.dicomweb")
public interface DicomWebConfig {

    /** The DICOMweb root, e.g. {@code http://127.0.0.1:18042/dicom-web}; without it there is no PACS. */
    Optional<URI> url();

    /** Path between the root and QIDO-RS resources ({@code studies}, {@code series}); empty for most servers. */
    Optional<String> qidoPrefix();

    Optional<String> wadoPrefix();

    Optional<String> stowPrefix();

    /** HTTP basic credentials for the PACS, if it wants them. */
    Optional<String> username();

    Optional<String> password();
}
