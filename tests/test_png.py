"""playground.common.png writes pictures an image library reads back pixel for pixel."""

import io

import numpy as np
import pytest
from PIL import Image  # installed with Streamlit; the app itself doesn't import it

from playground.common.png import png


@pytest.mark.parametrize("channels,mode", [(3, "RGB"), (4, "RGBA")])
def test_a_picture_reads_back_the_same(channels, mode):
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(5, 9, channels), dtype=np.uint8)
    image = Image.open(io.BytesIO(png(pixels)))
    assert image.mode == mode and image.size == (9, 5)
    assert np.array_equal(np.asarray(image), pixels)


def test_anything_else_is_refused():
    with pytest.raises(ValueError):
        png(np.zeros((2, 2, 3)))
