r"""The built-in 5x7 bitmap font that labels the PNG grids of :mod:`gvae_ext.vae.images`.

Upper-case letters, digits and a little punctuation; lower case is drawn as
upper case (private; :func:`render_text` is re-exported by
:mod:`gvae_ext.vae.images`).
"""

import torch
from torch import Tensor

from gvae_ext._checks import check_positive_int

# A 5x7 bitmap font for titles and row labels: seven rows of five pixels
# each, '#' = ink.
_GLYPHS = {
    'A': '.###. #...# #...# ##### #...# #...# #...#',
    'B': '####. #...# #...# ####. #...# #...# ####.',
    'C': '.###. #...# #.... #.... #.... #...# .###.',
    'D': '####. #...# #...# #...# #...# #...# ####.',
    'E': '##### #.... #.... ####. #.... #.... #####',
    'F': '##### #.... #.... ####. #.... #.... #....',
    'G': '.###. #...# #.... #.### #...# #...# .####',
    'H': '#...# #...# #...# ##### #...# #...# #...#',
    'I': '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
    'J': '..### ...#. ...#. ...#. ...#. #..#. .##..',
    'K': '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
    'L': '#.... #.... #.... #.... #.... #.... #####',
    'M': '#...# ##.## #.#.# #.#.# #...# #...# #...#',
    'N': '#...# #...# ##..# #.#.# #..## #...# #...#',
    'O': '.###. #...# #...# #...# #...# #...# .###.',
    'P': '####. #...# #...# ####. #.... #.... #....',
    'Q': '.###. #...# #...# #...# #.#.# #..#. .##.#',
    'R': '####. #...# #...# ####. #.#.. #..#. #...#',
    'S': '.#### #.... #.... .###. ....# ....# ####.',
    'T': '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
    'U': '#...# #...# #...# #...# #...# #...# .###.',
    'V': '#...# #...# #...# #...# #...# .#.#. ..#..',
    'W': '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
    'X': '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
    'Y': '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
    'Z': '##### ....# ...#. ..#.. .#... #.... #####',
    '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
    '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
    '2': '.###. #...# ....# ...#. ..#.. .#... #####',
    '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
    '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
    '5': '##### #.... ####. ....# ....# #...# .###.',
    '6': '..##. .#... #.... ####. #...# #...# .###.',
    '7': '##### ....# ...#. ..#.. .#... .#... .#...',
    '8': '.###. #...# #...# .###. #...# #...# .###.',
    '9': '.###. #...# #...# .#### ....# ...#. .##..',
    ' ': '..... ..... ..... ..... ..... ..... .....',
    '-': '..... ..... ..... ##### ..... ..... .....',
    '/': '..... ....# ...#. ..#.. .#... #.... .....',
    '.': '..... ..... ..... ..... ..... .##.. .##..',
    ',': '..... ..... ..... ..... .##.. ..#.. .#...',
    ':': '..... .##.. .##.. ..... .##.. .##.. .....',
    '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
    ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
    '=': '..... ..... ##### ..... ##### ..... .....',
    '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
    '~': '..... ..... .#..# #.##. ..... ..... .....',
}
GLYPH_HEIGHT = 7


def render_text(text: str, scale: int = 1, name: str = 'text') -> Tensor:
    r"""Draw :obj:`text` in the built-in 5x7 bitmap font.

    Args:
        text (str): The text; lower case is drawn as upper case.
        scale (int, optional): Nearest-neighbour upscaling. (default: :obj:`1`)
        name (str, optional): The argument named in errors.
            (default: :obj:`'text'`)

    Returns:
        A float tensor ``[7 * scale, (6 * len(text) - 1) * scale]``, :obj:`1.0`
        where there is ink and :obj:`0.0` elsewhere.

    Raises:
        ValueError: When :obj:`text` is not a non-empty string or holds a
            character the font cannot draw.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"'{name}' must be a non-empty string (got {text!r})")
    scale = check_positive_int(scale, 'scale')
    columns = []
    for char in text.upper():
        if char not in _GLYPHS:
            raise ValueError(
                f"'{name}' holds {char!r}, which the built-in font cannot draw "
                f'(letters, digits, space and -/.,:()=+~) (got {text!r})'
            )
        rows = _GLYPHS[char].split()
        glyph = torch.tensor([[float(c == '#') for c in row] for row in rows])
        columns += [glyph, torch.zeros(GLYPH_HEIGHT, 1)]
    image = torch.cat(columns[:-1], dim=1)
    return image.repeat_interleave(scale, 0).repeat_interleave(scale, 1)


__all__ = ['render_text']
