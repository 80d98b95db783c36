"""Financing borrowers (issue 14): who a loan product lends to, start-up products' test, enterprises' founding date

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 02:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_START_UP_CHECK = (
    "(start_up_max_years IS NULL AND start_up_max_insured_employees IS NULL AND start_up_max_annual_tax IS NULL)"
    " OR (start_up_max_years BETWEEN 1 AND 50 AND COALESCE(start_up_max_insured_employees, 0) >= 0"
    " AND COALESCE(start_up_max_annual_tax, 0) BETWEEN 0 AND 2000000000)"
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('founded_on', sa.Date(), nullable=True))

    # Products made before borrower kinds existed lend to what every product meant to: enterprises and
    # start-up projects (matching.financing.DEFAULT_BORROWER_KINDS).
    with op.batch_alter_table('loan_product', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('borrower_kinds', sa.JSON(), nullable=False, server_default='["enterprise", "project"]')
        )
        batch_op.add_column(sa.Column('start_up_max_years', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('start_up_max_insured_employees', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('start_up_max_annual_tax', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('ck_loan_product_start_up', _START_UP_CHECK)
    with op.batch_alter_table('loan_product', schema=None) as batch_op:
        batch_op.alter_column('borrower_kinds', server_default=None)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('loan_product', schema=None) as batch_op:
        batch_op.drop_constraint('ck_loan_product_start_up', type_='check')
        batch_op.drop_column('start_up_max_annual_tax')
        batch_op.drop_column('start_up_max_insured_employees')
        batch_op.drop_column('start_up_max_years')
        batch_op.drop_column('borrower_kinds')

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('founded_on')
